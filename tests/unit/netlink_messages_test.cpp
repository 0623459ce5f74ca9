// for_each_message: the walk over what one recv() from a netlink socket returned, which the CLAT's
// host watch, the doctor's PREF64 listener and the fast path's route watch share.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "io/sys/netlink.hpp"

using namespace sixfour::io;

namespace {

// Appends a message of `type` with `payload` bytes of zeros, padded to NLMSG_ALIGNTO.
void put(std::vector<uint8_t>& buf, uint16_t type, size_t payload) {
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(payload));
  h.nlmsg_type = type;
  const size_t at = buf.size();
  buf.resize(at + NLMSG_SPACE(payload));
  std::memcpy(buf.data() + at, &h, sizeof h);
}

std::vector<uint16_t> types_in(const std::vector<uint8_t>& buf, size_t len) {
  std::vector<uint16_t> types;
  for_each_message(buf.data(), len, [&](const nlmsghdr* h) { types.push_back(h->nlmsg_type); });
  return types;
}

}  // namespace

TEST(NetlinkMessages, EachWholeMessageInOrder) {
  std::vector<uint8_t> buf;
  put(buf, RTM_NEWLINK, sizeof(ifinfomsg));
  put(buf, RTM_NEWROUTE, 3);  // unaligned length: the next starts at the aligned offset
  put(buf, RTM_DELLINK, sizeof(ifinfomsg));
  EXPECT_EQ(types_in(buf, buf.size()), (std::vector<uint16_t>{RTM_NEWLINK, RTM_NEWROUTE, RTM_DELLINK}));
}

TEST(NetlinkMessages, TruncatedLastMessageIsNotPassedOn) {
  std::vector<uint8_t> buf;
  put(buf, RTM_NEWLINK, sizeof(ifinfomsg));
  put(buf, RTM_NEWROUTE, 64);
  EXPECT_EQ(types_in(buf, buf.size() - 1), std::vector<uint16_t>{RTM_NEWLINK});
  EXPECT_EQ(types_in(buf, NLMSG_HDRLEN - 1), std::vector<uint16_t>{});
  EXPECT_EQ(types_in(buf, 0), std::vector<uint16_t>{});
}

TEST(NetlinkMessages, LengthPastTheBufferStopsTheWalk) {
  std::vector<uint8_t> buf;
  put(buf, RTM_NEWLINK, sizeof(ifinfomsg));
  put(buf, RTM_NEWADDR, 8);
  // A header claiming more than is left (after the first message) ends the walk there.
  auto* second = reinterpret_cast<nlmsghdr*>(buf.data() + NLMSG_SPACE(sizeof(ifinfomsg)));
  second->nlmsg_len = 4096;
  EXPECT_EQ(types_in(buf, buf.size()), std::vector<uint16_t>{RTM_NEWLINK});
  // A length shorter than a header is no message either.
  second->nlmsg_len = 4;
  EXPECT_EQ(types_in(buf, buf.size()), std::vector<uint16_t>{RTM_NEWLINK});
}

TEST(NetlinkMessages, UnalignedLastMessageEndsTheWalkWithoutWrapping) {
  std::vector<uint8_t> buf;
  put(buf, RTM_NEWLINK, sizeof(ifinfomsg));
  put(buf, RTM_NEWROUTE, 3);
  const size_t end = buf.size() - 1;  // the second message's length, before its padding
  put(buf, RTM_DELLINK, sizeof(ifinfomsg));
  // Stepping past the second message leaves less than nothing of `end` bytes: the walk ends there
  // rather than wrapping around to a huge count and reading the third, which lies beyond `end`.
  EXPECT_EQ(types_in(buf, end), (std::vector<uint16_t>{RTM_NEWLINK, RTM_NEWROUTE}));
}
