/* A shared library that is not a herald plugin: it loads, exports a function,
 * but has no herald_plugin_entry_v1. */
int not_a_herald_plugin(int x) { return x + 1; }
