# Builds the dashboard page: inlines dashboard.css and dashboard.js into
# index.html (at @DASHBOARD_CSS@ and @DASHBOARD_JS@) and writes it as a C
# array, so the server needs no files at run time and the page stays one
# self-contained document. Run with -DDIR=<dashboard folder> -DOUT=<file.c>.
cmake_minimum_required(VERSION 3.20)
file(READ ${DIR}/dashboard.css DASHBOARD_CSS)
file(READ ${DIR}/dashboard.js DASHBOARD_JS)
file(READ ${DIR}/index.html page)
string(REPLACE "@DASHBOARD_CSS@" "${DASHBOARD_CSS}" page "${page}")
string(REPLACE "@DASHBOARD_JS@" "${DASHBOARD_JS}" page "${page}")
string(LENGTH "${page}" len)
file(WRITE ${OUT}.hex "${page}")
file(READ ${OUT}.hex hex HEX)
file(REMOVE ${OUT}.hex)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT}.tmp
  "/* Generated from runtime/src/telemetry/dashboard/ by embed_dashboard.cmake. */\n"
  "#include <stddef.h>\n"
  "extern const char dashboard_page[];\n"
  "extern const size_t dashboard_page_len;\n"
  "const char dashboard_page[] = {\n${bytes}0x00};\n"
  "const size_t dashboard_page_len = sizeof(dashboard_page) - 1;\n")
file(RENAME ${OUT}.tmp ${OUT})
