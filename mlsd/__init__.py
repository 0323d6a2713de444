"""mlsd: ML system design interview-prep documents written by a team of LangGraph agents."""

__version__ = "0.1.0"
