// A uint64_t counter member of a counters struct with its name as reported (the member's own
// name), so that one table walks the struct field by field: adding, publishing, writing JSON.
#pragma once
#include <cstdint>
#include <string_view>

namespace sixfour {

template <class T>
struct CounterField {
  std::string_view name;
  uint64_t T::*field;
};

}  // namespace sixfour

// {"member", &T::member}: one entry of a CounterField<T> table.
#define SIXFOUR_COUNTER_FIELD(T, member) \
  sixfour::CounterField<T> { #member, &T::member }
