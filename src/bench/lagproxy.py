# A TCP proxy that delays every chunk it passes on, each way, and each new connection once: a
# loopback registry as far away as a real one, for src/bench/tls-latency.sh.
#   python3 src/bench/lagproxy.py LISTEN_PORT TARGET_PORT DELAY_SECONDS
import asyncio, sys
LISTEN, TARGET, DELAY = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
async def pipe(r, w):
    try:
        while True:
            data = await r.read(65536)
            if not data: break
            await asyncio.sleep(DELAY)
            w.write(data); await w.drain()
    except Exception: pass
    finally:
        try: w.close()
        except Exception: pass
async def handle(cr, cw):
    await asyncio.sleep(DELAY)  # the SYN/SYN-ACK's share of a round trip
    sr, sw = await asyncio.open_connection('127.0.0.1', TARGET)
    await asyncio.gather(pipe(cr, sw), pipe(sr, cw))
async def main():
    s = await asyncio.start_server(handle, '127.0.0.1', LISTEN)
    async with s: await s.serve_forever()
asyncio.run(main())
