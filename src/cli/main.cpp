#include <cstdio>
int main() { std::puts("sixfour: skeleton"); return 0; }
