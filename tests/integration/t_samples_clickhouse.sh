#!/bin/bash
# t_samples_clickhouse.sh - the sample store contract against ClickHouse
# (Debian 12's clickhouse-server on a free loopback port), with its 500s,
# lost answers and a server that is down; see t_samples_contract.sh.
EMBER_SMP_BACKEND=clickhouse exec bash "$(dirname "$0")/t_samples_contract.sh"
