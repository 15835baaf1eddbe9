"""GRN Workbench: entry point (``streamlit run app.py``).

Lists the pages that work, renders the shared sidebar and runs the chosen page.
"""

import streamlit as st

from pages import _ui

st.set_page_config(page_title="GRN Workbench", page_icon=_ui.page_icon(), layout="wide")

PAGES = [
    st.Page("pages/data.py", title="Data", icon=":material/table_view:", default=True),
    st.Page("pages/models.py", title="Models", icon=":material/model_training:"),
    st.Page("pages/training.py", title="Training", icon=":material/monitoring:"),
    st.Page("pages/evaluation.py", title="Evaluation", icon=":material/query_stats:"),
    st.Page("pages/literature.py", title="Literature", icon=":material/menu_book:"),
    st.Page("pages/restoration.py", title="Restoration", icon=":material/healing:"),
]

page = st.navigation(PAGES)
_ui.sidebar()
page.run()
