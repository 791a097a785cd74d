from tests.conftest import ANA


def test_open_happy_path_smoke(bot, fake):
    crisis = bot.open_crisis(user=ANA)
    assert crisis.channel_id
