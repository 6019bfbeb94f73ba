"""Train PPO on the Unity CartPole sample through rlay.

    python train_cartpole.py                                   # the editor in Play mode
    python train_cartpole.py --address tcp://127.0.0.1:5555    # another port or host
    python train_cartpole.py --launch ./Build/CartPole.x86_64 -batchmode -nographics

With the scene's `count` above 1, the editor hosts several cart-poles: train with an
algorithm that takes a gymnasium VectorEnv (rlay.ClientVectorEnv), or keep count = 1 here.
"""

from __future__ import annotations

import argparse

import rlay
from stable_baselines3 import PPO
from stable_baselines3.common.evaluation import evaluate_policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", default="tcp://127.0.0.1:5555")
    parser.add_argument("--launch", nargs=argparse.REMAINDER, help="a built player and its arguments")
    parser.add_argument("--steps", type=int, default=50_000)
    args = parser.parse_args()

    if args.launch:
        env = rlay.ServerEnv(launch=args.launch)  # the player dials back with -rlay-address
    else:
        env = rlay.ClientEnv(args.address)  # the editor in Play mode listens
    try:
        model = PPO("MlpPolicy", env, n_steps=1024, batch_size=64, verbose=1)
        model.learn(total_timesteps=args.steps)
        mean, std = evaluate_policy(model, env, n_eval_episodes=5)
        print(f"mean episode return {mean:.1f} ± {std:.1f} (500 is the maximum)")
        model.save("cartpole_ppo")
    finally:
        env.close()


if __name__ == "__main__":
    main()
