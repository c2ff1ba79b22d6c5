//! Tests of the workflow graph: paths, steps along them, joins.

use super::*;

fn choice(number: u32, alternatives: Vec<(f64, Vec<Element>)>) -> Element {
    Element::Choice(Choice {
        number,
        alternatives: alternatives
            .into_iter()
            .map(|(probability, elements)| Alternative {
                probability,
                elements,
            })
            .collect(),
    })
}

#[test]
fn a_choice_gives_one_path_per_alternative_and_draws_them_at_their_rates() {
    use Element::Step;
    let graph = WorkflowGraph::new(vec![
        Step(0),
        choice(0, vec![(0.25, vec![Step(1), Step(2)]), (0.75, vec![])]),
        Step(3),
    ])
    .unwrap();
    assert_eq!(graph.paths().len(), 2);
    let streams = KeyedStreams::new(7);
    let draws = 40_000;
    let long = (0..draws)
        .filter(|&number| graph.path(graph.draw_path(&streams, number)).len() == 4)
        .count();
    let share = long as f64 / draws as f64;
    // Binomial sd at n = 40,000, p = 0.25: 0.0022; 4.5 sd either way.
    assert!((share - 0.25).abs() < 0.01, "{share}");
    let path = graph.path(graph.draw_path(&streams, 1));
    assert_eq!(path.first(), Some(0));
    assert_eq!(path.last(), Some(3));
    assert_eq!(path.previous(3), path.steps().get(path.len() - 2).copied());
}

#[test]
fn nested_choices_multiply_paths_and_the_limit_holds() {
    use Element::Step;
    let inner = choice(1, vec![(0.5, vec![Step(2)]), (0.5, vec![Step(3)])]);
    let graph = WorkflowGraph::new(vec![
        choice(0, vec![(0.5, vec![Step(0), inner]), (0.5, vec![Step(1)])]),
        Step(4),
    ])
    .unwrap();
    let steps: Vec<&[u8]> = graph.paths().iter().map(Path::steps).collect();
    assert_eq!(steps.len(), 3);
    assert!(steps.contains(&[0, 2, 4].as_slice()));
    assert!(steps.contains(&[1, 4].as_slice()));
    let wide: Vec<Element> = (0..11)
        .map(|number| choice(number, vec![(0.5, vec![Step(number as u8)]), (0.5, vec![])]))
        .collect();
    assert_eq!(WorkflowGraph::new(wide), Err(GraphError::TooManyPaths));
    // Eleven choices between two ways of skipping: one path, not 2,048.
    let skips: Vec<Element> = (0..11)
        .map(|number| choice(number, vec![(0.5, vec![]), (0.5, vec![])]))
        .chain([Step(0)])
        .collect();
    assert_eq!(WorkflowGraph::new(skips).unwrap().paths().len(), 1);
}

#[test]
fn a_chain_is_its_own_single_path() {
    let graph = WorkflowGraph::chain(4);
    assert!(graph.is_chain());
    let path = graph.path(0);
    assert_eq!(path.steps(), &[0, 1, 2, 3]);
    assert_eq!(path.next(1), Some(2));
    assert_eq!(path.previous(0), None);
    assert_eq!(path.position(3), 3);
}
