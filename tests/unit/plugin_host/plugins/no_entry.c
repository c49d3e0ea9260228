/* A shared library that is not a herald plugin: no entry symbol. */
int herald_not_a_plugin(void) { return 42; }
