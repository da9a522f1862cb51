using System.Collections.Concurrent;

namespace HealthcareCms.Api.Access;

/// <summary>
/// Protected requests per subject over the last minute (the <c>requestRatePerMinute</c> the policy weighs):
/// a ring of 60 one-second slots per subject, in memory of this Api instance. Idle subjects are pruned.
/// </summary>
public sealed class SubjectRequestRate(TimeProvider time)
{
    private const int PruneEvery = 1024;

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private int _hits;

    /// <summary>Counts one request of <paramref name="subject"/> and returns its requests in the last 60 s, this one included.</summary>
    public int Hit(string subject)
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        if (Interlocked.Increment(ref _hits) % PruneEvery == 0)
        {
            Prune(second);
        }

        return _windows.GetOrAdd(subject, static _ => new Window()).Add(second);
    }

    private void Prune(long second)
    {
        foreach (var (subject, window) in _windows)
        {
            if (window.IsIdle(second))
            {
                _windows.TryRemove(subject, out _);
            }
        }
    }

    private sealed class Window
    {
        private readonly long[] _seconds = new long[60];
        private readonly int[] _counts = new int[60];
        private readonly Lock _lock = new();
        private long _last;

        public int Add(long second)
        {
            lock (_lock)
            {
                var slot = (int)(second % 60);
                if (_seconds[slot] != second)
                {
                    _seconds[slot] = second;
                    _counts[slot] = 0;
                }

                _counts[slot]++;
                _last = second;
                var total = 0;
                for (var i = 0; i < 60; i++)
                {
                    if (_seconds[i] > second - 60)
                    {
                        total += _counts[i];
                    }
                }

                return total;
            }
        }

        public bool IsIdle(long second)
        {
            lock (_lock)
            {
                return _last <= second - 60;
            }
        }
    }
}
