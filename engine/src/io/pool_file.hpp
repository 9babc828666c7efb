#pragma once

#include "io/blocking_pool.hpp"
#include "io/file.hpp"

#include <memory>

namespace jetstrand::io::detail {

// Takes ownership of `fd`.
std::shared_ptr<file_impl> make_pool_file(boost::asio::any_io_executor ex, int fd,
                                          std::shared_ptr<blocking_pool> pool);

// fdatasync on the pool, completing on the handler's executor (shared by both backends).
void sync_data_on_pool(blocking_pool& pool, const boost::asio::any_io_executor& ex,
                       std::shared_ptr<file_impl> keep_alive, int fd, sync_handler h);
// sync_file_range(SYNC_FILE_RANGE_WRITE) on the pool, likewise.
void start_writeback_on_pool(blocking_pool& pool, const boost::asio::any_io_executor& ex,
                             std::shared_ptr<file_impl> keep_alive, int fd, std::uint64_t offset,
                             std::uint64_t length, sync_handler h);
// file::async_write_pieces on the pool, likewise.
void write_pieces_on_pool(blocking_pool& pool, const boost::asio::any_io_executor& ex,
                          std::shared_ptr<file_impl> keep_alive, int fd, std::vector<write_piece> pieces,
                          std::function<void()> before, sync_handler h);
// file::async_write_and_sync_data on the pool, likewise.
void write_and_sync_on_pool(blocking_pool& pool, const boost::asio::any_io_executor& ex,
                            std::shared_ptr<file_impl> keep_alive, int fd, std::uint64_t offset,
                            boost::asio::const_buffer b, sync_handler h);

}  // namespace jetstrand::io::detail
