# Install script of the herald component (packaging/debian.cmake): the systemd
# unit and the empty config dirs, whose paths follow the install prefix.
#   prefix /usr (the Debian packages) -> /usr/lib/systemd/system/herald.service,
#                                        /etc/herald/{config,secrets}
#   any other prefix P                -> P/lib/systemd/system/herald.service,
#                                        P/etc/herald/{config,secrets}
# The unit's ExecStart and --config/--secrets are rewritten to match, so the
# unit installed with a prefix runs the herald installed with it.
# HERALD_UNIT_SOURCE and HERALD_UNIT_STAGING (a dir in the build tree) are set
# by an install(CODE) just before this script.

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" OR CMAKE_INSTALL_PREFIX STREQUAL "/")
  set(herald_etc /etc/herald)
else()
  set(herald_etc ${CMAKE_INSTALL_PREFIX}/etc/herald)
endif()
string(REGEX REPLACE "/+$" "" herald_prefix "${CMAKE_INSTALL_PREFIX}")

# The unit: the source names the packaged paths (/usr/bin/herald, /etc/herald).
file(READ "${HERALD_UNIT_SOURCE}" unit)
string(REPLACE "/usr/bin/herald" "${herald_prefix}/bin/herald" unit "${unit}")
string(REPLACE "/etc/herald/" "${herald_etc}/" unit "${unit}")
string(MD5 prefix_id "${herald_prefix}")  # installs to other prefixes may run at once
set(staged "${HERALD_UNIT_STAGING}/${prefix_id}/herald.service")
file(WRITE "${staged}" "${unit}")
file(INSTALL DESTINATION "${herald_prefix}/lib/systemd/system" TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${staged}")

# Empty config dirs: manifests are readable, secrets only by root and the
# herald group (the herald package's postinst sets the group).
foreach(dir config secrets)
  set(path "$ENV{DESTDIR}${herald_etc}/${dir}")
  message(STATUS "Installing: ${path}")
  file(MAKE_DIRECTORY "${path}")
endforeach()
file(CHMOD "$ENV{DESTDIR}${herald_etc}" "$ENV{DESTDIR}${herald_etc}/config"
     DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                           WORLD_READ WORLD_EXECUTE)
file(CHMOD "$ENV{DESTDIR}${herald_etc}/secrets"
     DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
