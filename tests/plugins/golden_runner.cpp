// Runs one golden case of a plugin: golden_runner <plugin.so> <testdata/case>.
// Exits 0 when the plugin's behaviour equals expected.json, else prints both.
#include <herald/testkit.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: golden_runner PLUGIN.so CASE_DIR\n";
        return 2;
    }
    try {
        auto plugin = herald::testkit::Plugin::load(argv[1]);
        auto result = herald::testkit::run_golden_case(plugin, argv[2]);
        if (result.passed) return 0;
        std::cerr << "case " << result.name << ": " << result.message << "\n--- expected\n"
                  << result.expected << "\n--- actual\n" << result.actual << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "golden_runner: " << e.what() << "\n";
        return 1;
    }
}
