"""Plotly figure builders, network HTML and export formats (no Streamlit here)."""
