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

// The first `limit` bytes of the file (all of it when shorter), in one read.
std::string read_prefix(const fs::path& file, uint64_t limit) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes;
    if (!in) return bytes;
    in.seekg(0, std::ios::end);
    const auto end = in.tellg();
    if (end <= 0) return bytes;
    bytes.resize(size_t(std::min<uint64_t>(uint64_t(end), limit)));
    in.seekg(0);
    in.read(bytes.data(), std::streamsize(bytes.size()));
    bytes.resize(size_t(std::max<std::streamsize>(in.gcount(), 0)));
    return bytes;
}

std::string read_all(const fs::path& file) { return read_prefix(file, UINT64_MAX); }

bool is_elf64(const std::string& bytes) {
    return bytes.size() >= sizeof(Elf64_Ehdr) && bytes.compare(0, SELFMAG, ELFMAG) == 0 && bytes[EI_CLASS] == ELFCLASS64;
}

// Why the file is shorter than its own headers say, or nullopt. dlopen maps
// segments past the end of a truncated file and the first touch is a SIGBUS,
// so this is checked before anything loads it.
// `bytes` holds at least the file's start up to the end of its program
// headers; `size` is the whole file's size.
std::optional<std::string> truncation(const std::string& bytes, const Elf64_Ehdr& eh, uint64_t size) {
    const std::string has = ", the file has " + std::to_string(size) + " bytes (truncated copy?)";
    if (eh.e_phentsize < sizeof(Elf64_Phdr) || eh.e_phoff > size ||
        eh.e_phoff + uint64_t(eh.e_phnum) * eh.e_phentsize > size)
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
    if (auto truncated = truncation(bytes, eh, bytes.size())) {
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


// Reads the ELF and program headers only: this runs for every plugin at startup.
std::optional<std::string> elf_truncation(const fs::path& file) {
    std::error_code ec;
    const uint64_t size = fs::file_size(file, ec);
    if (ec) return std::nullopt;
    std::string bytes = read_prefix(file, sizeof(Elf64_Ehdr));
    if (!is_elf64(bytes)) return std::nullopt;
    Elf64_Ehdr eh;
    std::memcpy(&eh, bytes.data(), sizeof eh);
    const uint64_t headers_end = eh.e_phoff + uint64_t(eh.e_phnum) * eh.e_phentsize;
    if (headers_end <= size) bytes = read_prefix(file, std::max<uint64_t>(headers_end, sizeof(Elf64_Ehdr)));
    return truncation(bytes, eh, size);
}

}  // namespace herald::plugin_host
