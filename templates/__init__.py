"""Jinja2 templates of the rendered objects, installed as the package generator.templates."""
