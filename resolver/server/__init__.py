"""The local credential server: the ECS container credentials protocol on loopback."""
