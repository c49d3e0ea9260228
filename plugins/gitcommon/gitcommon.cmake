# Shared, header-only code of the commit-status plugins (github, gitlab,
# bitbucket, azuredevops): revision and address parsing, the description rule,
# SHA-1 and the lookup-then-post exchange. Each of those plugins does
#   include(${CMAKE_CURRENT_SOURCE_DIR}/../gitcommon/gitcommon.cmake)
#   herald_add_git_plugin(<name> <sources...>)
# gitcommon is not a plugin itself (it is not in HERALD_PLUGINS).
include_guard(GLOBAL)
set(HERALD_GITCOMMON_DIR ${CMAKE_CURRENT_LIST_DIR} CACHE INTERNAL "")

function(herald_add_git_plugin name)
  herald_add_plugin(${name} SOURCES ${ARGN} LIBRARIES nlohmann_json::nlohmann_json)
  target_include_directories(${name} PRIVATE ${HERALD_GITCOMMON_DIR})
endfunction()

# Unit tests of the shared rules, built once with whichever git plugin comes first.
# plugins/ is configured before the top level enables testing, so the test is
# registered at the end of the top-level directory (one ctest: unit/gitcommon).
if(HERALD_BUILD_TESTS AND NOT TARGET unit_gitcommon)
  find_package(Catch2 2.13 REQUIRED)
  add_executable(unit_gitcommon ${HERALD_GITCOMMON_DIR}/tests/gitcommon_test.cpp)
  target_include_directories(unit_gitcommon PRIVATE ${HERALD_GITCOMMON_DIR})
  target_link_libraries(unit_gitcommon PRIVATE herald::sdk nlohmann_json::nlohmann_json Catch2::Catch2)
  cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL
    add_test NAME unit/gitcommon COMMAND $<TARGET_FILE:unit_gitcommon>)
endif()
