from tests.fakes.test_fake_discord import *  # noqa
from tests.fakes.test_fake_discord import fake, bot  # noqa

async def test_dbg(fake, bot):
    first = await fake.wait_for_frame(2)
    await fake.invalidate_sessions()
    await asyncio.sleep(1)
    print([(f.op, f.connection) for f in fake.frames], fake._frames._pending, len(fake.connections))
