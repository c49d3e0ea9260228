# herald_add_plugin(<name> SOURCES <files...> [LIBRARIES <header-only targets...>]
#                   [NO_INSTALL] [COMPONENT <install component>])
#
# Builds a provider plugin as a MODULE library named <name>.so with hidden
# visibility, a version script exporting only herald_plugin_entry_v1, and
# -z defs (unresolved symbols fail the link, not the first call).
#
# One implementation for both uses:
#  * in the herald tree (sdk/CMakeLists.txt includes this file): links
#    herald::sdk, writes the .so to HERALD_PLUGIN_OUTPUT_DIR, and installs the
#    first-party plugins (those in HERALD_PLUGINS) to lib/herald/plugins as
#    the install component plugin-<name> (one Debian package each, packaging/);
#  * installed, through find_package(HeraldSDK 1) (HeraldSDKConfig.cmake
#    includes this file): links Herald::sdk and installs the plugin to
#    <prefix>/lib/herald/plugins unless NO_INSTALL is given, in COMPONENT
#    when given (else the project's default install component).
# The plugins dir is literally lib/herald/plugins (not CMAKE_INSTALL_LIBDIR,
# which may be lib/x86_64-linux-gnu): herald looks in <exe dir>/../lib/herald/plugins.

# The version script sits next to this file when installed, one level up in the tree.
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/herald_plugin.map)
  set(HERALD_PLUGIN_MAP ${CMAKE_CURRENT_LIST_DIR}/herald_plugin.map CACHE INTERNAL "")
else()
  set(HERALD_PLUGIN_MAP ${CMAKE_CURRENT_LIST_DIR}/../herald_plugin.map CACHE INTERNAL "")
endif()
set(HERALD_PLUGIN_INSTALL_DIR lib/herald/plugins CACHE INTERNAL "")

function(herald_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "COMPONENT" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # The C++ SDK needs C++17 (only C++ sources are affected; C stays as set).
  if(NOT CMAKE_CXX_STANDARD OR CMAKE_CXX_STANDARD LESS 17)
    set_target_properties(${name} PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON)
  endif()
  if(HERALD_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${HERALD_PLUGIN_OUTPUT_DIR})
  endif()
  if(TARGET herald::sdk)
    set(sdk herald::sdk)
  else()
    set(sdk Herald::sdk)
  endif()
  target_link_libraries(${name} PRIVATE ${sdk} ${ARG_LIBRARIES})
  target_link_options(${name} PRIVATE
    "LINKER:--version-script=${HERALD_PLUGIN_MAP}" "LINKER:-z,defs" "LINKER:--as-needed")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${HERALD_PLUGIN_MAP})

  # In the herald tree only first-party plugins are installed (test plugins
  # built with this function must never land in the plugins dir).
  set(install_it TRUE)
  if(ARG_NO_INSTALL OR (DEFINED HERALD_PLUGINS AND NOT name IN_LIST HERALD_PLUGINS))
    set(install_it FALSE)
  endif()
  if(NOT install_it)
    return()
  endif()
  set(component "")
  if(ARG_COMPONENT)
    set(component COMPONENT ${ARG_COMPONENT})
  elseif(DEFINED HERALD_PLUGINS)
    set(component COMPONENT plugin-${name})
  endif()
  install(TARGETS ${name} LIBRARY DESTINATION ${HERALD_PLUGIN_INSTALL_DIR} ${component})
endfunction()
