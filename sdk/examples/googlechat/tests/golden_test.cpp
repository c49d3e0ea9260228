// Runs golden cases of a plugin: golden_test PLUGIN.so CASE_DIR...
// Each CASE_DIR holds provider.json, event.json, [responses.json] and
// expected.json (see <herald/testkit.hpp>). HERALD_APPROVE=1 rewrites
// expected.json from the plugin's current behaviour; review the diff.
#include <herald/testkit.hpp>

int main(int argc, char** argv) { return herald::testkit::golden_main(argc, argv); }
