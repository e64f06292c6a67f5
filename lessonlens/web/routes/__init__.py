"""The platform's routes, one module per area: session, lessons, upload, admin, api."""
