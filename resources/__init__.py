"""Bundled files: icons, fonts, logo, letter templates (see app.resources)."""
