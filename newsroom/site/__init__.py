"""The site's own data and pages: `SiteInfo`, the newsroom's roles, the demo accounts, the
database router and outage page, the health check and the Korean error pages."""
