# HeraldSDK: build herald provider plugins out of tree.
#
#   find_package(HeraldSDK 1 REQUIRED)
#   herald_add_plugin(myplugin SOURCES myplugin.cpp)   # links Herald::sdk
#
# Targets:
#   Herald::sdk      the headers <herald/plugin.h> and <herald/sdk.hpp> (C11 / C++17)
#   Herald::testkit  Herald::sdk plus what <herald/testkit.hpp> needs
#                    (nlohmann_json, libdl); only when nlohmann_json is found
# Variables:
#   HERALD_PLUGIN_MAP          the linker version script (exports only the entry)
#   HERALD_PLUGIN_INSTALL_DIR  lib/herald/plugins, where herald looks (relative to its prefix)
include(${CMAKE_CURRENT_LIST_DIR}/HeraldSDKTargets.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/HeraldPlugin.cmake)

if(NOT TARGET Herald::testkit)
  find_package(nlohmann_json 3.10 QUIET)
  if(nlohmann_json_FOUND)
    add_library(Herald::testkit INTERFACE IMPORTED)
    set_target_properties(Herald::testkit PROPERTIES
      INTERFACE_LINK_LIBRARIES "Herald::sdk;nlohmann_json::nlohmann_json;${CMAKE_DL_LIBS}"
      INTERFACE_COMPILE_FEATURES cxx_std_17)
  endif()
endif()
