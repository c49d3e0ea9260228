// Reading a plugin file's ELF headers without loading it.
#ifndef HERALD_PLUGIN_HOST_ELF_FILE_HPP
#define HERALD_PLUGIN_HOST_ELF_FILE_HPP

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace herald::plugin_host {

// Why an ELF file must not be handed to dlopen: a header table or a loadable
// segment ends past the end of the file (a truncated copy), which dlopen maps
// and then touches, dying of SIGBUS. nullopt when the file is not ELF (dlopen
// reports that cleanly) or is whole.
std::optional<std::string> elf_truncation(const std::filesystem::path& file);

// Names of the defined, exported symbols in the ELF dynamic symbol table
// (.dynsym: what dlsym can see; survives `strip`), sorted. nullopt with `why`
// when the file is not a 64-bit ELF shared object that can be read.
std::optional<std::vector<std::string>> exported_symbols(const std::filesystem::path& file, std::string& why);

}  // namespace herald::plugin_host

#endif
