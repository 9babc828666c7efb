# Warnings and sanitizers for our own targets only (never forced on a host project).
function(jetstrand_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(JETSTRAND_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${JETSTRAND_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${JETSTRAND_SANITIZE})
    if(JETSTRAND_SANITIZE MATCHES "thread")
      # GCC says (-Wtsan) that TSan cannot model atomic_thread_fence, which Asio's headers
      # use; tests/tsan.supp covers the one place where that shows. Not our code's warning.
      target_compile_options(${target} PRIVATE -Wno-tsan)
    endif()
    if(JETSTRAND_SANITIZE MATCHES "undefined")
      target_compile_options(${target} PRIVATE -fno-sanitize-recover=undefined)
    endif()
  endif()
endfunction()
