# herald_add_plugin(<name> SOURCES <files...> [LIBRARIES <header-only targets...>])
#
# Builds a provider plugin as a MODULE library named <name>.so with hidden
# visibility, a version script exporting only herald_plugin_entry_v1, and
# -z defs (unresolved symbols fail the link, not the first call).
set(HERALD_PLUGIN_MAP ${CMAKE_CURRENT_LIST_DIR}/../herald_plugin.map CACHE INTERNAL "")

function(herald_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(HERALD_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${HERALD_PLUGIN_OUTPUT_DIR})
  endif()
  target_link_libraries(${name} PRIVATE herald::sdk ${ARG_LIBRARIES})
  target_link_options(${name} PRIVATE
    "LINKER:--version-script=${HERALD_PLUGIN_MAP}" "LINKER:-z,defs" "LINKER:--as-needed")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${HERALD_PLUGIN_MAP})
endfunction()
