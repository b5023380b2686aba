/*
 * thpfault.c - fragfill.c's fill, then transparent huge page faults instead of
 * a hugetlb request (see fragfill.c).
 */
#define FRAGFILL_THP 1
#include "fragfill.c"
