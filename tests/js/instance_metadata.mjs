// The AWS SDK for JavaScript v3 as a client of `rolechain serve --imds`: with "imds",
// fromInstanceMetadata (@aws-sdk/credential-providers); with "default", the default
// chain (@aws-sdk/credential-provider-node), which reaches the metadata service once
// nothing before it has credentials. Both read AWS_EC2_METADATA_SERVICE_ENDPOINT.
// Prints the access key id and the account id.
import { fromInstanceMetadata } from "@aws-sdk/credential-providers";
import { defaultProvider } from "@aws-sdk/credential-provider-node";

const mode = process.argv[2];
const provider =
  mode === "imds" ? fromInstanceMetadata({ maxRetries: 0 }) : defaultProvider({ maxRetries: 0 });
try {
  const credentials = await provider();
  console.log(credentials.accessKeyId, credentials.accountId ?? "-");
} catch (error) {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
}
