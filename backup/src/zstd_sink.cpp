#include "jetstrand/backup/zstd_sink.hpp"

#include "jetstrand/error.hpp"

#include <zstd.h>

namespace jetstrand::backup {

using boost::system::error_code;

struct zstd_sink::stream {
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ~stream() { ZSTD_freeCCtx(context); }
};

zstd_sink::zstd_sink(backup_sink& inner, int level)
    : inner_(inner), level_(level), stream_(std::make_unique<stream>()), out_(ZSTD_CStreamOutSize()) {}

zstd_sink::~zstd_sink() = default;

error_code zstd_sink::start() { return inner_.start(); }

error_code zstd_sink::begin_file(const manifest_file& f) {
  ZSTD_CCtx_reset(stream_->context, ZSTD_reset_session_only);
  ZSTD_CCtx_setParameter(stream_->context, ZSTD_c_compressionLevel, level_);
  ZSTD_CCtx_setParameter(stream_->context, ZSTD_c_checksumFlag, 1);  // the frame checks itself too
  stored_ = 0;
  auto stored = f;
  stored.compression = file_compression::zstd;
  return inner_.begin_file(stored);
}

error_code zstd_sink::compress(std::span<const unsigned char> in, bool end) {
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  for (;;) {
    ZSTD_outBuffer output{out_.data(), out_.size(), 0};
    const std::size_t left = ZSTD_compressStream2(stream_->context, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(left)) return make_error_code(boost::system::errc::io_error);
    if (output.pos > 0) {
      if (auto ec = inner_.write({out_.data(), output.pos})) return ec;
      stored_ += output.pos;
    }
    if (end ? left == 0 : input.pos == input.size) return {};
  }
}

error_code zstd_sink::write(std::span<const unsigned char> bytes) { return compress(bytes, false); }

error_code zstd_sink::end_file(const manifest_file& f) {
  if (auto ec = compress({}, true)) return ec;
  auto stored = f;
  stored.compression = file_compression::zstd;
  stored.stored_size = stored_;
  stored_sizes_[f.name] = stored_;
  return inner_.end_file(stored);
}

error_code zstd_sink::commit(const backup_manifest& m) {
  auto stored = m;
  for (auto& f : stored.files) {
    auto it = stored_sizes_.find(f.name);
    if (it == stored_sizes_.end()) return jet_errc::invalid_parameter;  // a file this sink never wrote
    f.compression = file_compression::zstd;
    f.stored_size = it->second;
  }
  return inner_.commit(stored);
}

std::uint64_t zstd_sink::stored_bytes() const noexcept {
  std::uint64_t n = stored_;
  for (const auto& [name, size] : stored_sizes_) n += size;
  return n;
}

void zstd_sink::abandon(std::string_view reason) noexcept { inner_.abandon(reason); }

}  // namespace jetstrand::backup
