"""AWS Management Console sign-in: ``rolechain console`` (federation URLs, browsers)."""
