#include "commands.hpp"

int main(int argc, char** argv) { return herald::app::main(argc, argv); }
