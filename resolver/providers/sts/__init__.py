"""STS client plumbing: the target and client factory, the bundled service model's
loader, the per-process client pool, and the caller-bound client a hop calls through."""
