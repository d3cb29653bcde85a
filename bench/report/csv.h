/* report/csv.h - the CSV columns, once (csv.c writes them, plot_read.c
 * reads them back).
 *
 * IPL_CSV_TABLE is the only list of columns: X(ID, name, unit, getter) per
 * column, in file order.  The header, the enum the reader indexes by, and
 * every row's fields are all expanded from it, so a column cannot be in
 * the header and missing from the rows, or read back under another name.
 * The getters are csv.c's; other files expand only ID and name.  Units are
 * "" for text, flags and plain counts. */
#ifndef IPL_REPORT_CSV_H
#define IPL_REPORT_CSV_H

#define IPL_CSV_TABLE(X)                                                        \
	X(MECH, "mechanism", "", c_mech)                                        \
	X(WAIT, "wait", "", c_wait)                                             \
	X(BASELINE, "baseline", "", c_baseline)                                 \
	X(SIZE, "size_bytes", "bytes", c_size)                                  \
	X(MODE, "mode", "", c_mode)                                             \
	X(CLIENTS, "clients", "", c_clients)                                    \
	X(WINDOW, "window", "", c_window)                                       \
	X(CPU_CLIENT, "cpu_client", "", c_cpu_client)                           \
	X(CPU_SERVER, "cpu_server", "", c_cpu_server)                           \
	X(PLACEMENT, "placement", "", c_placement)                              \
	X(REP, "rep", "", c_rep)                                                \
	X(REPS, "reps", "", c_reps)                                             \
	X(ITERS, "iters", "", c_iters)                                          \
	X(DURATION, "duration_s", "s", c_duration)                              \
	X(WARMUP, "warmup", "", c_warmup)                                       \
	X(CRC, "crc", "", c_crc)                                                \
	X(STATUS, "status", "", c_status)                                       \
	X(MSGS, "msgs", "", c_msgs)                                             \
	X(OK, "ok", "", c_ok)                                                   \
	X(ERRORS, "errors", "", c_errors)                                       \
	X(ERR_SEQ, "err_seq", "", c_err_seq)                                    \
	X(ERR_LEN, "err_len", "", c_err_len)                                    \
	X(ERR_PAYLOAD, "err_payload", "", c_err_payload)                        \
	X(ERR_REMOTE, "err_remote", "", c_err_remote)                           \
	X(FAILED, "failed", "", c_failed)                                       \
	X(WHY, "why", "", c_why)                                                \
	X(ELAPSED, "elapsed_s", "s", c_elapsed)                                 \
	X(MIN, "min_ns", "ns", c_min)                                           \
	X(P50, "p50_ns", "ns", c_p50)                                           \
	X(P75, "p75_ns", "ns", c_p75)                                           \
	X(P90, "p90_ns", "ns", c_p90)                                           \
	X(P95, "p95_ns", "ns", c_p95)                                           \
	X(P99, "p99_ns", "ns", c_p99)                                           \
	X(P999, "p999_ns", "ns", c_p999)                                        \
	X(P9999, "p9999_ns", "ns", c_p9999)                                     \
	X(MAX, "max_ns", "ns", c_max)                                           \
	X(MEAN, "mean_ns", "ns", c_mean)                                        \
	X(STDDEV, "stddev_ns", "ns", c_stddev)                                  \
	X(MPS, "msgs_per_s", "msgs/s", c_mps)                                   \
	X(MBPS, "mb_per_s", "MB/s", c_mbps)                                     \
	X(PER_CLIENT, "per_client_msgs_per_s", "msgs/s", c_per_client)          \
	X(CPU, "cpu_ns_per_msg", "ns", c_cpu)                                   \
	X(CTXSW, "ctxsw_per_msg", "", c_ctxsw)                                  \
	X(VALID_REPS, "valid_reps", "", c_valid_reps)                           \
	X(MEDIAN_P50, "median_p50_ns", "ns", c_median_p50)                      \
	X(MIN_P50, "min_p50_ns", "ns", c_min_p50)                               \
	X(MAX_P50, "max_p50_ns", "ns", c_max_p50)                               \
	X(MEDIAN_P99, "median_p99_ns", "ns", c_median_p99)                      \
	X(MEDIAN_MPS, "median_msgs_per_s", "msgs/s", c_median_mps)              \
	X(MIN_MPS, "min_msgs_per_s", "msgs/s", c_min_mps)                       \
	X(MAX_MPS, "max_msgs_per_s", "msgs/s", c_max_mps)                       \
	X(MEDIAN_MBPS, "median_mb_per_s", "MB/s", c_median_mbps)                \
	X(OVERHEAD, "overhead_pct", "%", c_overhead)                            \
	X(FLAGS, "flags", "", c_flags)                                          \
	X(MACHINE, "machine", "", c_machine)                                    \
	X(SERVER_ADDR, "server_addr", "", c_server_addr)                        \
	X(CLIENT_ADDR, "client_addr", "", c_client_addr)                        \
	X(N, "n", "", c_n)                                                      \
	X(CPU_SCOPE, "cpu_scope", "", c_cpu_scope)                              \
	X(LOST, "lost", "", c_lost)                                             \
	X(STALE, "stale", "", c_stale)                                          \
	X(REORDERED, "reordered", "", c_reordered)                              \
	X(OFFERED_RATE, "offered_rate_msgs_per_s", "msgs/s", c_offered_rate)    \
	X(ACHIEVED_RATE, "achieved_rate_msgs_per_s", "msgs/s", c_achieved_rate) \
	X(LOAD_STATUS, "load_status", "", c_load_status)                        \
	X(P50_CI_LO, "p50_ci95_lo_ns", "ns", c_p50_ci_lo)                       \
	X(P50_CI_HI, "p50_ci95_hi_ns", "ns", c_p50_ci_hi)                       \
	X(MEDIAN_P50_CI_LO, "median_p50_ci95_lo_ns", "ns", c_median_p50_ci_lo)  \
	X(MEDIAN_P50_CI_HI, "median_p50_ci95_hi_ns", "ns", c_median_p50_ci_hi)  \
	X(PIPE_SIZE, "pipe_size_bytes", "bytes", c_pipe_size)                   \
	X(SOCKBUF, "sockbuf_bytes", "bytes", c_sockbuf)                         \
	X(SERVER_MODEL, "server_model", "", c_server_model)                     \
	X(RPC_SEMANTICS, "rpc_semantics", "", c_rpc_semantics)                  \
	X(RPC_RETRANS, "rpc_retrans", "", c_rpc_retrans)

#define IPL_CSV_ID_(id, name, unit, get) IPL_CSV_##id,
/* A column's position in the file: IPL_CSV_MECH, IPL_CSV_P50, ... */
enum ipl_csv_col { IPL_CSV_TABLE(IPL_CSV_ID_) IPL_CSV_NCOL };
#undef IPL_CSV_ID_

/* The CSV header, NULL-terminated, indexed by enum ipl_csv_col: one row
 * per rep, units in the names. */
extern const char *const ipl_csv_columns[];
/* The unit of each column's values ("ns", "s", "bytes", "msgs/s", "MB/s",
 * "%"; "" for text and counts), indexed like ipl_csv_columns. */
extern const char *const ipl_csv_units[];

#endif
