# Debian packages with CPack: `make package` (or `cpack` in the build dir)
# writes <build>/packages/*.deb, one package per install component:
#
#   herald                  component herald: bin/herald, the systemd unit,
#                           the empty /etc/herald/config and /etc/herald/secrets
#                           (0750, group herald) and example manifests
#   herald-plugin-<name>    component plugin-<name>: lib/herald/plugins/<name>.so
#                           (set by herald_add_plugin for HERALD_PLUGINS)
#   herald-sdk              component sdk: headers, the HeraldSDK CMake package,
#                           the examples (Architecture: all)
#
# Plugins depend on `herald (>= this version), herald-abi-<major>`; herald
# Provides herald-abi-<major> (the plugin ABI major of plugin.h), so a package
# of a third-party plugin can depend on the ABI rather than on a version range.
# Tested by tests/packaging (ctest packaging/debian).

# ---- install rules of the herald component ------------------------------------
# The unit and the /etc dirs are written at install time (packaging/install-herald.cmake)
# because their paths depend on the prefix given then: /usr (the packages) puts
# the config dirs in /etc/herald, any other prefix P in P/etc/herald.
install(CODE "set(HERALD_UNIT_SOURCE \"${CMAKE_CURRENT_LIST_DIR}/herald.service\")
  set(HERALD_UNIT_STAGING \"${CMAKE_BINARY_DIR}/packaging\")" COMPONENT herald)
install(SCRIPT ${CMAKE_CURRENT_LIST_DIR}/install-herald.cmake COMPONENT herald)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/config
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/herald/examples COMPONENT herald)
install(FILES ${PROJECT_SOURCE_DIR}/examples/event-error.json ${PROJECT_SOURCE_DIR}/examples/event-success.json
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/herald/examples COMPONENT herald)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/examples/
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/herald-sdk/examples COMPONENT sdk
        PATTERN "build*" EXCLUDE)  # a build dir made in the examples is not an example

# ---- CPack -----------------------------------------------------------------------
file(STRINGS ${PROJECT_SOURCE_DIR}/sdk/include/herald/plugin.h herald_abi_major_line
     REGEX "^#define HERALD_ABI_MAJOR [0-9]+")
string(REGEX REPLACE ".*MAJOR ([0-9]+).*" "\\1" HERALD_PACKAGE_ABI_MAJOR "${herald_abi_major_line}")

set(HERALD_PACKAGE_MAINTAINER "herald developers <herald-dev@users.noreply.github.com>"
    CACHE STRING "Maintainer field of the Debian packages")

# Only the components this build has (HERALD_ONLY may leave some out).
set(herald_components "")
if(TARGET herald)
  list(APPEND herald_components herald)
endif()
list(APPEND herald_components sdk)
foreach(p ${HERALD_PLUGINS})
  if(TARGET ${p})
    list(APPEND herald_components plugin-${p})
  endif()
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME herald)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR herald)
set(CPACK_PACKAGE_CONTACT "${HERALD_PACKAGE_MAINTAINER}")
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPackDeb would put it in front of every
# component's description; each description's first line is its synopsis.
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Install with DESTDIR=<staging> and CMAKE_INSTALL_PREFIX=/usr, so
# install-herald.cmake sees the real prefix and can put the dirs in /etc.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
# Debug info stays in the build tree; the packages carry stripped binaries.
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL ${herald_components})
set(CPACK_COMPONENTS_GROUPING IGNORE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${HERALD_PACKAGE_MAINTAINER}")
# Library dependencies (Poco, OpenSSL, yaml-cpp, SQLite, libstdc++) from
# dpkg-shlibdeps (package dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(herald_version_dep "herald (>= ${PROJECT_VERSION})")

set(CPACK_DEBIAN_HERALD_PACKAGE_NAME herald)
set(CPACK_DEBIAN_HERALD_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_HERALD_PACKAGE_PROVIDES "herald-abi-${HERALD_PACKAGE_ABI_MAJOR}")
# The daemon is of no use without providers: the first-party ones come along
# unless installed with --no-install-recommends.
set(herald_plugin_packages ${herald_components})
list(FILTER herald_plugin_packages INCLUDE REGEX "^plugin-")
list(TRANSFORM herald_plugin_packages PREPEND herald-)
list(JOIN herald_plugin_packages ", " herald_plugin_packages)
set(CPACK_DEBIAN_HERALD_PACKAGE_RECOMMENDS "${herald_plugin_packages}")
set(CPACK_DEBIAN_HERALD_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_LIST_DIR}/debian/postinst
  ${CMAKE_CURRENT_LIST_DIR}/debian/prerm
  ${CMAKE_CURRENT_LIST_DIR}/debian/postrm)
set(CPACK_COMPONENT_HERALD_DESCRIPTION
  "Flux-compatible notification and commit status dispatcher
herald receives Flux events over HTTP, matches them against Flux Alert
manifests and delivers them to the Providers (chat, webhooks, commit
statuses) through provider plugins, with a durable retrying store.
This package holds the daemon and its systemd unit; the providers are
in the herald-plugin-* packages.")

set(CPACK_DEBIAN_SDK_PACKAGE_NAME herald-sdk)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_SDK_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_SDK_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_SDK_PACKAGE_RECOMMENDS "herald, cmake, nlohmann-json3-dev")
set(CPACK_COMPONENT_SDK_DESCRIPTION
  "herald plugin SDK: headers and CMake package
Build herald provider plugins out of tree: <herald/plugin.h> (the C ABI),
<herald/sdk.hpp> (C++17 helpers), <herald/testkit.hpp> (golden tests,
needs nlohmann-json) and find_package(HeraldSDK 1) with herald_add_plugin().
Examples in /usr/share/doc/herald-sdk/examples.")

foreach(p ${HERALD_PLUGINS})
  string(TOUPPER "plugin-${p}" comp)
  set(CPACK_DEBIAN_${comp}_PACKAGE_NAME herald-plugin-${p})
  set(CPACK_DEBIAN_${comp}_PACKAGE_DEPENDS "${herald_version_dep}, herald-abi-${HERALD_PACKAGE_ABI_MAJOR}")
  set(CPACK_COMPONENT_${comp}_DESCRIPTION
    "herald provider plugin: ${p}
The ${p} provider type for herald, installed to /usr/lib/herald/plugins.")
endforeach()

# `make package_source`: the sources without build trees and git data.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "/__pycache__/")

include(CPack)
