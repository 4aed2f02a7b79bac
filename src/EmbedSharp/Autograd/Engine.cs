using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// Runs backward from one variable, as PyTorch's engine does: a first pass counts, for every node reachable from the
/// root, how many consumers will deliver a gradient to it; nodes then run once all of theirs have arrived, each
/// gradient arriving from several consumers summed in arrival order (fixed by the graph, so the result does not depend
/// on timing). Both passes use explicit stacks: a deep graph cannot overflow the call stack.
/// </summary>
internal static class Engine
{
    private static long s_stamp;

    public static void Run(Variable root, FloatTensor? gradient, bool retainGraph)
    {
        if (!root.RequiresGrad)
        {
            throw new InvalidOperationException("The variable does not require a gradient and has no grad_fn: nothing to differentiate (torch: \"element 0 of tensors does not require grad and does not have a grad_fn\").");
        }

        var seed = SeedGradient(root, gradient);
        if (root.GradFn is not { } start)
        {
            root.Accumulate(seed);
            return;
        }

        var stamp = Interlocked.Increment(ref s_stamp);
        CountConsumers(start, stamp);
        start.GradSum = seed;
        var ready = new Stack<Node>();
        ready.Push(start);
        var gradInputs = new FloatTensor?[4];
        while (ready.Count > 0)
        {
            var node = ready.Pop();
            var gradOutput = node.GradSum!;
            node.GradSum = null;
            var inputs = node.Inputs;
            if (gradInputs.Length < inputs.Length)
            {
                gradInputs = new FloatTensor?[inputs.Length];
            }

            var slots = gradInputs.AsSpan(0, inputs.Length);
            slots.Clear();
            node.Backward(gradOutput, slots);
            for (var i = 0; i < inputs.Length; i++)
            {
                var input = inputs[i];
                if (slots[i] is not { } g || !input.RequiresGrad)
                {
                    continue;
                }

                if (input.GradFn is { } producer)
                {
                    // A new tensor for a sum: a backward kernel may hand the same tensor to several inputs.
                    producer.GradSum = producer.GradSum is null ? g : Sum(producer.GradSum, g);
                    if (--producer.Pending == 0)
                    {
                        ready.Push(producer);
                    }
                }
                else
                {
                    input.Accumulate(g);
                }
            }

            if (!retainGraph)
            {
                node.Release();
            }
        }
    }

    private static FloatTensor SeedGradient(Variable root, FloatTensor? gradient)
    {
        if (gradient is null)
        {
            if (root.Data.Length != 1)
            {
                throw new InvalidOperationException($"Backward() without a gradient needs a single-element variable; this one has shape {FloatTensor.FormatShape(root.Shape)} (torch: \"grad can be implicitly created only for scalar outputs\"). Pass the upstream gradient.");
            }

            var one = new FloatTensor(root.Shape);
            one.Fill(1f);
            return one;
        }

        if (!gradient.Shape.SequenceEqual(root.Shape))
        {
            throw new ArgumentException($"The gradient has shape {FloatTensor.FormatShape(gradient.Shape)}; the variable has shape {FloatTensor.FormatShape(root.Shape)}.", nameof(gradient));
        }

        return gradient;
    }

    /// <summary>Marks every node reachable from <paramref name="start"/> with <paramref name="stamp"/> and counts its
    /// consumers; refuses a node an earlier backward released.</summary>
    private static void CountConsumers(Node start, long stamp)
    {
        var stack = new Stack<Node>();
        Visit(start, stamp, stack);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            foreach (var input in node.Inputs)
            {
                if (input.GradFn is { } producer && input.RequiresGrad)
                {
                    if (producer.Stamp != stamp)
                    {
                        Visit(producer, stamp, stack);
                    }

                    producer.Pending++;
                }
            }
        }
    }

    private static void Visit(Node node, long stamp, Stack<Node> stack)
    {
        if (node.Released)
        {
            throw new InvalidOperationException($"Trying to run backward through {node.Name} a second time: its saved tensors were freed by the first backward. Pass retainGraph: true to the first Backward() if you need to run backward twice.");
        }

        node.Stamp = stamp;
        node.Pending = 0;
        node.GradSum = null;
        stack.Push(node);
    }

    private static FloatTensor Sum(FloatTensor a, FloatTensor b)
    {
        var sum = new FloatTensor(a.Shape);
        System.Numerics.Tensors.TensorPrimitives.Add(a.AsSpan(), b.AsSpan(), sum.AsSpan());
        return sum;
    }
}
