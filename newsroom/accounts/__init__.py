"""Staff accounts and the site's security: sign-in with a second factor (django-otp) and
throttling (django-axes), staff sessions, the trusted client address, security headers."""
