"""Renderers: a Report in, text or HTML out. They never profile and never change a Report."""
