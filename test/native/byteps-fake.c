/*
 * A stand-in for libbyteps with the telemetry ABI rxtrain calls, and setters the
 * tests call (through koffi, on the same dlopen handle) to choose what it returns.
 *
 * Build: gcc -shared -fPIC -O2 -o libbyteps-fake.so byteps-fake.c
 *
 * As BytePS does, a read of the data resets the interval's summaries: the next read
 * returns nothing until fake_set_entries is called again. The names handed out stay
 * owned by the library (valid until the next fake_set_entries), as BytePS's are.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX_ENTRIES 64

static int fake_rank = 0;
static int fake_entries = 0;      /* entries not yet read */
static int fake_reported = -1;    /* size to report instead of fake_entries, or -1 */
static char *fake_names[FAKE_MAX_ENTRIES];
static float fake_mean[FAKE_MAX_ENTRIES];
static float fake_stdev[FAKE_MAX_ENTRIES];
static int fake_count[FAKE_MAX_ENTRIES];
static int fake_reads = 0;

void fake_set_rank(int rank) { fake_rank = rank; }

/* Makes byteps_get_telemetry_size report `size` (-1: the number of entries). */
void fake_set_reported_size(int size) { fake_reported = size; }

/* How many times byteps_get_telemetry_data was called. */
int fake_reads_count(void) { return fake_reads; }

/* Replaces the entries (strings copied); n is capped at FAKE_MAX_ENTRIES. */
void fake_set_entries(int n, const char **names, const float *mean, const float *stdev, const int *count) {
  for (int i = 0; i < FAKE_MAX_ENTRIES; i++) {
    free(fake_names[i]);
    fake_names[i] = NULL;
  }
  if (n < 0) n = 0;
  if (n > FAKE_MAX_ENTRIES) n = FAKE_MAX_ENTRIES;
  for (int i = 0; i < n; i++) {
    fake_names[i] = strdup(names[i]);
    fake_mean[i] = mean[i];
    fake_stdev[i] = stdev[i];
    fake_count[i] = count[i];
  }
  fake_entries = n;
}

int byteps_rank(void) { return fake_rank; }

void byteps_get_telemetry_size(int32_t *size) { *size = fake_reported >= 0 ? fake_reported : fake_entries; }

void byteps_get_telemetry_data(const char **names, float *mean, float *stdev, int *count, int *actual_size,
                               int max_size) {
  int n = fake_entries < max_size ? fake_entries : max_size;
  if (n < 0) n = 0;
  for (int i = 0; i < n; i++) {
    names[i] = fake_names[i];
    mean[i] = fake_mean[i];
    stdev[i] = fake_stdev[i];
    count[i] = fake_count[i];
  }
  *actual_size = n;
  fake_entries = 0;
  fake_reads++;
}
