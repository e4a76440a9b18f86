# Builds the dashboard page: inlines dashboard.css and dashboard.js into
# index.html (at @DASHBOARD_CSS@ and @DASHBOARD_JS@) and embeds it as
# `dashboard_page`, so the server needs no files at run time and the page
# stays one self-contained document. Run with -DDIR=<dashboard folder>
# -DOUT=<file.c>.
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/embed.cmake)
file(READ ${DIR}/dashboard.css css)
file(READ ${DIR}/dashboard.js js)
file(READ ${DIR}/index.html page)
string(REPLACE "@DASHBOARD_CSS@" "${css}" page "${page}")
string(REPLACE "@DASHBOARD_JS@" "${js}" page "${page}")
steady_embed_text("${page}" dashboard_page ${OUT})
