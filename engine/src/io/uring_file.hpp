#pragma once

#include "io/blocking_pool.hpp"
#include "io/file.hpp"

#include <memory>

namespace jetstrand::io::detail {

// Takes ownership of `fd`. Throws system_error when io_uring is refused.
std::shared_ptr<file_impl> make_uring_file(boost::asio::any_io_executor ex, int fd,
                                           std::shared_ptr<blocking_pool> pool);

}  // namespace jetstrand::io::detail
