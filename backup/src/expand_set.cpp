#include "expand_set.hpp"

#include "io/posix.hpp"
#include "jetstrand/error.hpp"

#include <zstd.h>

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <vector>

namespace jetstrand::backup {

namespace fs = std::filesystem;
using boost::system::error_code;

namespace {

// Decompresses one zstd stream from `from` into a new file `to`; the compressed bytes read.
error_code decompress_file(const fs::path& from, const fs::path& to, std::uint64_t& read, std::string& problem) {
  io::posix::unique_fd in, out;
  if (auto ec = io::posix::open(from, O_RDONLY, in)) {
    problem = from.string() + ": " + (ec == boost::system::errc::no_such_file_or_directory ? "listed in the manifest but missing" : ec.message());
    return ec == boost::system::errc::no_such_file_or_directory ? error_code(jet_errc::file_not_found) : ec;
  }
  if (auto ec = io::posix::open(to, O_WRONLY | O_CREAT | O_EXCL, out)) {
    problem = to.string() + ": " + ec.message();
    return ec;
  }
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  std::vector<unsigned char> in_buffer(ZSTD_DStreamInSize()), out_buffer(ZSTD_DStreamOutSize());
  read = 0;
  std::size_t last = 1;  // ZSTD_decompressStream's "more input expected" hint; 0 once a frame ended
  for (;;) {
    std::size_t n = 0;
    if (auto ec = io::posix::read_some(in.get(), in_buffer.data(), in_buffer.size(), n)) return ec;
    if (n == 0) break;
    read += n;
    ZSTD_inBuffer input{in_buffer.data(), n, 0};
    while (input.pos < input.size) {
      ZSTD_outBuffer output{out_buffer.data(), out_buffer.size(), 0};
      last = ZSTD_decompressStream(context.get(), &output, &input);
      if (ZSTD_isError(last)) {
        problem = from.string() + ": damaged compressed data (" + ZSTD_getErrorName(last) + ")";
        return jet_errc::read_verify_failure;
      }
      if (auto ec = io::posix::write_all(out.get(), out_buffer.data(), output.pos)) return ec;
    }
  }
  if (last != 0) {
    problem = from.string() + ": the compressed data ends early";
    return jet_errc::read_verify_failure;
  }
  return out.close();
}

}  // namespace

expanded_set::~expanded_set() {
  std::error_code ignored;
  if (!scratch_.empty()) fs::remove_all(scratch_, ignored);
}

error_code expanded_set::expand(const fs::path& dir, std::string& problem) {
  path_ = dir;
  error_code ec;
  auto m = read_manifest(dir, ec);
  if (ec) return {};  // verify reports a set it cannot read
  bool compressed = false;
  for (const auto& f : m.files) compressed = compressed || f.compression != file_compression::none;
  if (!compressed) return {};

  std::string templ = (fs::temp_directory_path() / "jetstrand-expand-XXXXXX").string();
  if (!::mkdtemp(templ.data())) {
    problem = "cannot make a scratch folder in " + fs::temp_directory_path().string();
    return {errno, boost::system::system_category()};
  }
  scratch_ = path_ = templ;
  std::error_code sec;
  fs::create_directories(path_ / "databases", sec);
  fs::create_directories(path_ / "logs", sec);
  for (auto& f : m.files) {
    const auto from = dir / f.relative_path();
    if (f.compression == file_compression::none) {
      fs::copy_file(from, path_ / f.relative_path(), sec);  // a missing one is reported by verify
      continue;
    }
    auto plain = f;
    plain.compression = file_compression::none;
    std::uint64_t read = 0;
    if (auto e = decompress_file(from, path_ / plain.relative_path(), read, problem)) {
      // A missing log is a hole in the range: verify reports it as such.
      if (e == jet_errc::file_not_found && f.kind == backup_file_kind::log) continue;
      return e;
    }
    if (read != f.stored_size) {
      problem = from.string() + ": " + std::to_string(read) + " bytes stored, the manifest says " +
                std::to_string(f.stored_size);
      return jet_errc::read_verify_failure;
    }
    f = plain;
  }
  if (auto e = io::posix::write_file_atomically(path_ / manifest_file_name, to_json(m))) {
    problem = (path_ / manifest_file_name).string() + ": " + e.message();
    return e;
  }
  return {};
}

}  // namespace jetstrand::backup
