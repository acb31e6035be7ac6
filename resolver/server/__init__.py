"""The local credential servers on loopback: the ECS container credentials protocol and the
EC2 instance metadata service (IMDSv2)."""
