# Writes a C++ source defining `const char NAME[]` with the bytes of INPUT as
# a raw string literal, so the review page ships inside the binary (no files
# to install, nothing fetched). Usage:
#   cmake -DINPUT=page/app.js -DOUTPUT=app_js.cc -DNAME=kAppJs -P embed_asset.cmake
file(READ "${INPUT}" content)
string(FIND "${content}" ")asset\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )asset\"")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by embed_asset.cmake; do not edit.\n"
  "namespace safeshare::review {\n"
  "extern const char ${NAME}[];\n"
  "const char ${NAME}[] = R\"asset(${content})asset\";\n"
  "}  // namespace safeshare::review\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
