#!/bin/sh
# Runs the demo in the foreground: conf/demo.sh MODULE PORT PREFIX
set -eu

module=$1
port=$2
prefix=$3
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$prefix/logs" "$prefix/tmp"

for f in demo.conf mock-cvat.conf; do
    sed -e "s|@MODULE@|$module|g" -e "s|@PORT@|$port|g" \
        -e "s|@PREFIX@|$prefix|g" "$here/$f" > "$prefix/$f"
done

/usr/sbin/nginx -t -q -p "$prefix/" -c demo.conf

url="http://127.0.0.1:$port/api/lambda"

cat <<END
ngx_lambda_gateway demo on 127.0.0.1:$port, in front of a mock CVAT
(logs in $prefix/logs; Ctrl-C stops it)

A call CVAT would accept passes through to CVAT:

  curl -i -H 'Authorization: Token demo' -H 'Content-Type: application/json' \\
       -d '{"function":"openvino-omz-public-yolo-v3-tf","task":1}' \\
       '$url/requests?org=acme'

A malformed call is answered at the gateway, with CVAT's status and body:

  curl -i -H 'Authorization: Token demo' -H 'Content-Type: application/json' \\
       -d '{"function":"","task":"one","cleanup":"maybe"}' \\
       '$url/requests?org=acme'

A call without credentials gets CVAT's 401:

  curl -i '$url/functions'

END

exec /usr/sbin/nginx -p "$prefix/" -c demo.conf -g 'daemon off;'
