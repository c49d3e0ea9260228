#include <herald/plugin_host/elf_file.hpp>

#include <elf.h>
#include <string.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

namespace herald::plugin_host {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool is_elf64(const std::string& bytes) {
    return bytes.size() >= sizeof(Elf64_Ehdr) && bytes.compare(0, SELFMAG, ELFMAG) == 0 && bytes[EI_CLASS] == ELFCLASS64;
}

// Why the file is shorter than its own headers say, or nullopt. dlopen maps
// segments past the end of a truncated file and the first touch is a SIGBUS,
// so this is checked before anything loads it.
std::optional<std::string> truncation(const std::string& bytes, const Elf64_Ehdr& eh) {
    const uint64_t size = bytes.size();
    const std::string has = ", the file has " + std::to_string(size) + " bytes (truncated copy?)";
    if (eh.e_phentsize < sizeof(Elf64_Phdr) || eh.e_phoff + uint64_t(eh.e_phnum) * eh.e_phentsize > size)
        return "truncated ELF file: program headers end past the end of the file" + has;
    for (size_t i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        std::memcpy(&ph, bytes.data() + eh.e_phoff + i * eh.e_phentsize, sizeof ph);
        if (ph.p_type == PT_LOAD && ph.p_offset + ph.p_filesz > size)
            return "truncated ELF file: segment " + std::to_string(i) + " ends at byte " +
                   std::to_string(ph.p_offset + ph.p_filesz) + has;
    }
    if (eh.e_shoff + uint64_t(eh.e_shnum) * eh.e_shentsize > size)
        return "truncated ELF file: section headers end past the end of the file" + has;
    return std::nullopt;
}

// Names of the defined, exported symbols in the ELF dynamic symbol table
// (.dynsym: what dlsym can see; survives `strip`). nullopt with `why` when the
// file is not a 64-bit ELF shared object we can read.
}  // namespace

std::optional<std::vector<std::string>> exported_symbols(const fs::path& file, std::string& why) {
    std::string bytes = read_all(file);
    if (bytes.size() < sizeof(Elf64_Ehdr) || bytes.compare(0, SELFMAG, ELFMAG) != 0) {
        why = "not an ELF file";
        return std::nullopt;
    }
    if (bytes[EI_CLASS] != ELFCLASS64) {
        why = "not a 64-bit ELF file";
        return std::nullopt;
    }
    Elf64_Ehdr eh;
    std::memcpy(&eh, bytes.data(), sizeof eh);
    if (auto truncated = truncation(bytes, eh)) {
        why = *truncated;
        return std::nullopt;
    }
    auto section = [&](size_t i, Elf64_Shdr& out) {
        size_t off = eh.e_shoff + i * eh.e_shentsize;
        if (eh.e_shentsize < sizeof(Elf64_Shdr) || off + sizeof out > bytes.size()) return false;
        std::memcpy(&out, bytes.data() + off, sizeof out);
        return true;
    };
    std::vector<std::string> names;
    bool found = false;
    for (size_t i = 0; i < eh.e_shnum; ++i) {
        Elf64_Shdr sh, strtab;
        if (!section(i, sh)) {
            why = "truncated ELF file (section headers out of range)";
            return std::nullopt;
        }
        if (sh.sh_type != SHT_DYNSYM) continue;
        if (!section(sh.sh_link, strtab) || sh.sh_offset + sh.sh_size > bytes.size() ||
            strtab.sh_offset + strtab.sh_size > bytes.size()) {
            why = "truncated ELF file (.dynsym out of range)";
            return std::nullopt;
        }
        found = true;
        for (size_t off = sh.sh_offset; off + sizeof(Elf64_Sym) <= sh.sh_offset + sh.sh_size; off += sizeof(Elf64_Sym)) {
            Elf64_Sym sym;
            std::memcpy(&sym, bytes.data() + off, sizeof sym);
            int bind = ELF64_ST_BIND(sym.st_info), vis = ELF64_ST_VISIBILITY(sym.st_other);
            if (sym.st_shndx == SHN_UNDEF || sym.st_name == 0) continue;
            if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) continue;
            if (vis != STV_DEFAULT && vis != STV_PROTECTED) continue;
            if (sym.st_name >= strtab.sh_size) continue;
            const char* name = bytes.data() + strtab.sh_offset + sym.st_name;
            names.emplace_back(name, ::strnlen(name, strtab.sh_size - sym.st_name));
        }
    }
    if (!found) {
        why = "no dynamic symbol table (not a shared object?)";
        return std::nullopt;
    }
    std::sort(names.begin(), names.end());
    return names;
}


std::optional<std::string> elf_truncation(const fs::path& file) {
    std::string bytes = read_all(file);
    if (!is_elf64(bytes)) return std::nullopt;
    Elf64_Ehdr eh;
    std::memcpy(&eh, bytes.data(), sizeof eh);
    return truncation(bytes, eh);
}

}  // namespace herald::plugin_host
