// The AWS SDK for JavaScript v3's container credentials provider (fromHttp), as an
// application gets it: it reads AWS_CONTAINER_CREDENTIALS_FULL_URI and
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (or _TOKEN) itself. Prints the access key id.
import { fromHttp } from "@aws-sdk/credential-provider-http";

try {
  const credentials = await fromHttp({ maxRetries: 0 })();
  console.log(credentials.accessKeyId);
} catch (error) {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
}
