# cmake -DNM=<nm> -DPLUGIN=<file.so> -P check_exports.cmake
# Fails unless `nm -D --defined-only` lists exactly herald_plugin_entry_v1.
execute_process(COMMAND ${NM} -D --defined-only ${PLUGIN}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed (${rc}): ${err}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${out}")
set(symbols "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^.* " "" symbol "${line}")
  list(APPEND symbols "${symbol}")
endforeach()
if(NOT symbols STREQUAL "herald_plugin_entry_v1")
  message(FATAL_ERROR "${PLUGIN} exports [${symbols}], expected only herald_plugin_entry_v1")
endif()
message(STATUS "${PLUGIN} exports only herald_plugin_entry_v1")
