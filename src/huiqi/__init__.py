"""huiqi (惠企): enterprise-support policies as exact, explainable, administrable code."""

__version__ = "0.1.0"
