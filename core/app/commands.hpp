// The subcommands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace herald::app {

int run_serve(const std::vector<std::string>& args);
int run_check(const std::vector<std::string>& args);
int run_plugins(const std::vector<std::string>& args);
int run_plugin_check(const std::vector<std::string>& args);
int run_deliveries(const std::vector<std::string>& args);
int run_render(const std::vector<std::string>& args);
int run_send(const std::vector<std::string>& args);
int main(int argc, char** argv);

}  // namespace herald::app
