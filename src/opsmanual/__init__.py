"""opsmanual: a company's operations manual kept as code."""

__version__ = "0.1.0"
